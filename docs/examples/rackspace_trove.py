# rackspace_trove.py
import os, time
from keystoneauth1 import session
from rackspaceauth import v2
from troveclient import client

auth = v2.APIKey(username="demo", api_key=os.environ["OS_API_KEY"],
                 auth_url="http://127.0.0.1:8080/identity/v2.0")
trove = client.Client("1.0", session=session.Session(auth=auth),
                      service_type="rax:database", region_name="RegionOne")
instance_id = "d4603f69-ec7e-4e9b-803f-600b9205576f"
trove.instances.restart(instance_id)
while (status := trove.instances.get(instance_id).status) != "ACTIVE":
    print(status)                                          # REBOOT
    time.sleep(1)
print(status)
