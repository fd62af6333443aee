// The ECS instance RAM role tutorial's last step in C++: list (up to) 10 objects of the
// bucket `ramroletest` with the official OSS C++ SDK, signed with the instance's RAM role
// credential. Compared with the tutorial, one line changes: the client gets ecscred's
// credentials provider instead of the three values pasted from curl.
//
//   ecscred_tutorial [--v4] [ENDPOINT]
//
// ENDPOINT defaults to oss-cn-hangzhou.aliyuncs.com; --v4 signs with OSS V4 (region
// cn-hangzhou) instead of V1. Build with CMake (CMakeLists.txt here, with
// -DALIYUN_OSS_SDK_PREFIX=<where aliyun-oss-cpp-sdk 1.10.1 is installed>). The SDK calls the
// provider before signing each request; on failure the request is refused and the
// provider's lastError() tells why (e.g. no metadata service).

#include <alibabacloud/oss/OssClient.h>
#include <ecscred/aliyun_oss.hpp>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

int main(int argc, char **argv) {
    std::string endpoint = "oss-cn-hangzhou.aliyuncs.com";
    bool v4 = false;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--v4") == 0) {
            v4 = true;
        } else {
            endpoint = argv[i];
        }
    }

    AlibabaCloud::OSS::InitializeSdk();
    AlibabaCloud::OSS::ClientConfiguration conf;
    if (v4) conf.signatureVersion = AlibabaCloud::OSS::SignatureVersionType::V4;
    // The one line: was std::make_shared<SimpleCredentialsProvider>(id, secret, token).
    auto credentials = std::make_shared<ecscred::aliyun_oss::CredentialsProvider>("EcsRamRoleTest");
    int status = 0;
    {
        AlibabaCloud::OSS::OssClient client(endpoint, credentials, conf);
        client.SetRegion("cn-hangzhou");  // V4 signs for a region

        AlibabaCloud::OSS::ListObjectsRequest request("ramroletest");
        request.setMaxKeys(10);
        auto outcome = client.ListObjects(request);
        if (outcome.isSuccess()) {
            for (const auto &object : outcome.result().ObjectSummarys()) {
                std::cout << object.Key() << "\n";
            }
        } else {
            std::cerr << "ListObjects failed: " << outcome.error().Code() << ": "
                      << outcome.error().Message() << "\n";
            ecscred::ErrorInfo cause = credentials->lastError();
            if (!cause.ok()) {
                std::cerr << "ecscred: " << cause.status_name() << ": " << cause.message() << "\n";
            }
            status = 1;
        }
    }
    AlibabaCloud::OSS::ShutdownSdk();
    return status;
}
