# huawei_sdk.py
import json, os, time
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_response import SdkResponse
from huaweicloudsdkddm.v1 import (DdmClient, RestartInstanceRequest, RestartInstanceReq,
                                  RestarInstanceInfo, ShowInstanceRequest)
from huaweicloudsdkmodelarts.v1 import ModelArtsClient

ak, sk = os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"]
project_id = "0b7a2f64c1e94d6c9f3e5a8d2c1b4e7f"           # the printed project_id
endpoint = "http://127.0.0.1:8080"                        # the host only: no /ddm, no /modelarts

# DDM: huaweicloudsdkddm's own restart_instance and show_instance
ddm = (DdmClient.new_builder().with_credentials(BasicCredentials(ak, sk, project_id))
       .with_endpoints([endpoint]).build())
instance_id = "28e8841d0b9c4f6a9a30742ee60e1068in09"
restart = RestartInstanceReq(restart=RestarInstanceInfo(type="soft"))
print(ddm.restart_instance(RestartInstanceRequest(instance_id, restart)))   # {"instanceId": …, "jobId": …}
while (status := ddm.show_instance(ShowInstanceRequest(instance_id)).status) != "RUNNING":
    print(status)                                                           # RESTARTING
    time.sleep(1)
print(status)

# ModelArts: the SDK has no call for the DevEnviron restart; do_http_request signs it all the same
class Raw(SdkResponse):                                   # the answer as it came, in raw_content
    openapi_types = {}

modelarts = (ModelArtsClient.new_builder().with_credentials(BasicCredentials(ak, sk, project_id))
             .with_endpoints([endpoint]).build())
path = "/v1/{project_id}/demanager/instances/{instance_id}"
ids = {"instance_id": "47cf4ff3-0c59-44fe-9821-2840a34c02a9"}
answer = modelarts.do_http_request("POST", path + "/action", path_params=ids, body={"action": "restart"},
                                   header_params={"Content-Type": "application/json"}, response_type=Raw)
print(answer.status_code, answer.raw_content.decode())    # 200 {"current_status":"REBOOTING",…}
show = lambda: json.loads(modelarts.do_http_request("GET", path, path_params=ids, response_type=Raw).raw_content)
while (status := show()["status"]) != "ACTIVE":
    print(status)                                         # REBOOTING
    time.sleep(1)
print(status)
