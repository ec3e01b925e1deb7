#!/bin/sh
# compose.yaml's one-off "s3-init" service (MinIO's client image), at every `docker compose up`:
# 1. the bucket S3_BUCKET;
# 2. anonymous download of the keys under public/ only (deploy/s3-public-policy.json): the proxy
#    serves them at /media/public/; private/ stays unreadable without credentials;
# 3. the portal's own access key (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY), limited to the objects
#    of that bucket (deploy/s3-portal-policy.json): the app servers never hold the root password.
# Safe to run again: each step leaves what is already there as it should be.
set -eu
mc alias set store http://s3:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "store/$S3_BUCKET"
mc anonymous set-json /deploy/s3-public-policy.json "store/$S3_BUCKET"
mc admin user add store "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"
mc admin policy create store portal-app /deploy/s3-portal-policy.json
case "$(mc admin user info store "$S3_ACCESS_KEY_ID")" in
    *portal-app*) echo "s3-init: policy portal-app already attached" ;;
    *) mc admin policy attach store portal-app --user "$S3_ACCESS_KEY_ID" ;;
esac
echo "s3-init: bucket $S3_BUCKET ready (anonymous download of public/ only)"
