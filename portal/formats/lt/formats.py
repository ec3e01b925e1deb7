# Lithuanian groups thousands with a (non-breaking) space, as the CLDR and the State Commission of
# the Lithuanian Language have it: 1 234 567,89. Django's own lt formats use a full stop. Every
# other format comes from Django's lt module (FORMAT_MODULE_PATH only overrides what it defines).
THOUSAND_SEPARATOR = "\xa0"
