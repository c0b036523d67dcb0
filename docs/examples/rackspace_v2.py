# rackspace_v2.py
import os, time
import requests

identity = "http://127.0.0.1:8080/identity/v2.0"
credentials = {"username": "demo", "apiKey": os.environ["OS_API_KEY"]}
access = requests.post(identity + "/tokens",
                       json={"auth": {"RAX-KSKEY:apiKeyCredentials": credentials}}).json()["access"]
token = access["token"]["id"]
database = next(s for s in access["serviceCatalog"] if s["type"] == "rax:database")
endpoint = next(e for e in database["endpoints"] if e["region"] == "RegionOne")["publicURL"]
print(endpoint)                                            # http://127.0.0.1:8080/clouddb/v1.0/1234

instance = endpoint + "/instances/d4603f69-ec7e-4e9b-803f-600b9205576f"
headers = {"X-Auth-Token": token}
print(requests.post(instance + "/action", json={"restart": {}}, headers=headers).status_code)  # 202
while (status := requests.get(instance, headers=headers).json()["instance"]["status"]) != "ACTIVE":
    print(status)                                          # REBOOT
    time.sleep(1)
print(status)
