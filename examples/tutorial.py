"""Step 4 of the ECS instance RAM role tutorial, with ecscred instead of pasted STS keys.

The tutorial's code, with only the import and the auth line changed: ecscred fetches the
STS credential of the instance's RAM role from the metadata service, caches it and
refreshes it, so the program never handles AccessKeyId, AccessKeySecret or SecurityToken.

    OSS_ENDPOINT   the OSS endpoint (default: the tutorial's oss-cn-hangzhou.aliyuncs.com)
    OSS_BUCKET     the bucket (default: the tutorial's ramroletest)

`make demo` runs it against a local mock metadata service and a local OSS test server
(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:…, OSS_ENDPOINT=http://127.0.0.1:…)
and prints the tutorial's output: ramroletest.txt, test.sh.
"""

import os
import sys

# Off an ECS instance the metadata service does not exist: run this against a mock (as
# `make demo` does) unless told it is a real instance.
if not (os.environ.get("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT")
        or os.environ.get("ECSCRED_ON_ECS") == "1"):
    sys.exit("set ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT to a mock metadata service "
             "(see `make demo`), or ECSCRED_ON_ECS=1 on an ECS instance")

endpoint = os.environ.get("OSS_ENDPOINT", "oss-cn-hangzhou.aliyuncs.com")
bucket_name = os.environ.get("OSS_BUCKET", "ramroletest")

# --- the tutorial's step 4 -------------------------------------------------------------
import oss2
import ecscred
from itertools import islice
auth = ecscred.EcsRamRoleAuth("EcsRamRoleTest")
bucket = oss2.Bucket(auth, endpoint, bucket_name)
for b in islice(oss2.ObjectIterator(bucket), 10):
    print(b.key)
