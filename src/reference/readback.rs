//! What clients read back after a restart: the show bodies of the five status URIs.
//!
//! Each is the documented example of the companion "show" operation with the server's own id,
//! state and links, so that a client library parses it as it would a real one and, while a
//! restart runs, sees the restarting state where it looks for it:
//!
//! - ECS, Nova "Show Server Details" (`server-get-resp.json`, as the ECS document's native
//!   "Querying Details About an ECS" repeats it): `status` `REBOOT` / `HARD_REBOOT` with
//!   `OS-EXT-STS:task_state` `rebooting` / `rebooting_hard`, `vm_state` `active` throughout.
//!   Fields follow the negotiated microversion: `locked` from 2.9, `description` from 2.19,
//!   `tags` from 2.26, the embedded flavor (no id) from 2.47.
//! - clouddb, Rackspace "List database instance status and details": `instance` with
//!   `status`, `links` (self, bookmark), `flavor {id, links}`, `datastore`, `volume`.
//! - clouddb-ha, Rackspace "List HA database instance details": `ha_instance` with `state`,
//!   `replica_source`, `replicas`, `networks`, `acls`.
//! - DDM, "Querying Details of a DDM Instance": flat, `status`, `node_status` and `nodes[]`.
//! - ModelArts, "Querying Details About a Development Environment Instance": flat, `status`,
//!   `profile`, `flavor_details`, `spec`, `workspace`, `user`.

use serde_json::{Value, json};

use super::microversion::Microversion;
use super::state::ids;

/// The fixed ids the examples give a server's image, flavor and owner.
const IMAGE_ID: &str = "70a599e0-31e7-49b7-b260-868f441e862b";
const USER_ID: &str = "reference-user";

fn links(self_href: String, bookmark_href: String) -> Value {
    json!([
        { "rel": "self", "href": self_href },
        { "rel": "bookmark", "href": bookmark_href },
    ])
}

/// The name of resource `index`: the example's name for the first, `-2`, `-3`... after it for
/// the others, so that a client looking a resource up by name finds one.
pub(crate) fn numbered(name: &str, index: Option<usize>) -> String {
    match index {
        Some(0) | None => name.to_owned(),
        Some(n) => format!("{name}-{}", n + 1),
    }
}

/// Nova's task state for a server status.
fn task_state(status: &str) -> Value {
    match status {
        "REBOOT" => json!("rebooting"),
        "HARD_REBOOT" => json!("rebooting_hard"),
        _ => Value::Null,
    }
}

/// Nova's server show at `version`; `base` is the compute root (`http://host/ecs`).
pub(crate) fn server(
    base: &str,
    id: &str,
    name: &str,
    status: &str,
    version: Microversion,
) -> Value {
    let project = ids::PROJECT;
    let flavor = if version.at_least(47) {
        json!({
            "original_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1,
            "ephemeral": 0, "swap": 0, "extra_specs": {},
        })
    } else {
        json!({
            "id": "1",
            "links": [{ "rel": "bookmark", "href": format!("{base}/{project}/flavors/1") }],
        })
    };
    let mut server = json!({
        "id": id,
        "name": name,
        "status": status,
        "tenant_id": project,
        "user_id": USER_ID,
        "hostId": "92154fab69d5883ba2c8622b7e65f745dd33257221c07af363c51b29",
        "created": "2024-05-20T08:30:00Z",
        "updated": "2024-05-20T08:45:00Z",
        "progress": 0,
        "accessIPv4": "",
        "accessIPv6": "",
        "addresses": { "private": [{
            "addr": "192.168.0.30", "version": 4,
            "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:4c:2c:30",
        }] },
        "flavor": flavor,
        "image": {
            "id": IMAGE_ID,
            "links": [{ "rel": "bookmark", "href": format!("{base}/{project}/images/{IMAGE_ID}") }],
        },
        "key_name": null,
        "metadata": {},
        "config_drive": "",
        "security_groups": [{ "name": "default" }],
        "links": links(
            format!("{base}/v2.1/{project}/servers/{id}"),
            format!("{base}/{project}/servers/{id}"),
        ),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": "nova",
        "OS-EXT-STS:power_state": 1,
        "OS-EXT-STS:task_state": task_state(status),
        "OS-EXT-STS:vm_state": "active",
        "OS-SRV-USG:launched_at": "2024-05-20T08:31:02.000000",
        "OS-SRV-USG:terminated_at": null,
        "os-extended-volumes:volumes_attached": [],
    });
    if let Some(object) = server.as_object_mut() {
        if version.at_least(9) {
            object.insert("locked".into(), json!(false));
        }
        if version.at_least(19) {
            object.insert("description".into(), Value::Null);
        }
        if version.at_least(26) {
            object.insert("tags".into(), json!([]));
        }
    }
    json!({ "server": server })
}

/// The self and bookmark links of a Cloud Databases resource; `root` is `http://host/clouddb`.
fn trove_links(root: &str, kind: &str, id: &str) -> Value {
    links(
        format!(
            "{root}/{}/{}/{kind}/{id}",
            ids::TROVE_VERSION,
            ids::TROVE_ACCOUNT
        ),
        format!("{root}/{kind}/{id}"),
    )
}

/// "List database instance status and details".
pub(crate) fn trove_instance(root: &str, id: &str, name: &str, status: &str) -> Value {
    json!({ "instance": {
        "id": id,
        "name": name,
        "status": status,
        "hostname": "e09ad9a3f73309469cf1f43d11e79549caf9acf2.rackspaceclouddb.com",
        "links": trove_links(root, "instances", id),
        "flavor": { "id": "1", "links": trove_links(root, "flavors", "1") },
        "datastore": { "type": "mysql", "version": "5.6" },
        "volume": { "size": 2, "used": 0.16 },
        "created": "2014-02-13T21:47:13",
        "updated": "2014-02-13T21:47:18",
    } })
}

/// One entry of "List all database instances": the show without hostname, dates and usage.
pub(crate) fn trove_list_entry(root: &str, id: &str, name: &str, status: &str) -> Value {
    let mut entry = trove_instance(root, id, name, status)["instance"].take();
    if let Some(object) = entry.as_object_mut() {
        for field in ["hostname", "created", "updated"] {
            object.remove(field);
        }
        object.insert("volume".into(), json!({ "size": 2 }));
    }
    entry
}

/// "List HA database instance details"; the members show the HA state too.
pub(crate) fn ha_instance(root: &str, id: &str, state: &str) -> Value {
    let source = "9f5ba0f5-8fbb-4bc3-91cf-0b2d74c5de8a";
    let replica = "a2d5bd1c-f7c9-4f5e-8a4c-4b2f1ad5fb8e";
    let datastore = json!({ "type": "mysql", "version": "5.6" });
    json!({ "ha_instance": {
        "id": id,
        "name": "ha-test",
        "state": state,
        "tenant_id": ids::TROVE_ACCOUNT,
        "datastore": datastore,
        "volume": { "size": 1 },
        "flavor": { "id": "2", "links": trove_links(root, "flavors", "2") },
        "replica_source": [{
            "id": source, "name": "source", "status": state, "ha_id": id,
            "hostname": "55036bc3d34c36a44911414d0e92bba071f0bfc8.rackspaceclouddb.com",
            "datastore": datastore, "volume": { "size": 1 }, "flavor": { "id": "2", "links": {} },
            "links": {},
            "replicas": [{ "id": replica, "name": "source_replica1", "links": trove_links(root, "instances", replica) }],
        }],
        "replicas": [{
            "id": replica, "name": "source_replica1", "status": state, "ha_id": id,
            "hostname": "7e51adcbf8ded6ed1d41311e2e449d5836914dc2.rackspaceclouddb.com",
            "datastore": datastore, "volume": { "size": 1 }, "flavor": { "id": "2", "links": {} },
            "links": {},
            "replica_of": { "id": source, "links": trove_links(root, "instances", source) },
        }],
        "acls": [],
        "configuration": null,
        "networks": [
            { "access": "read", "network": "servicenet", "port": 3307, "address": "cdd9187448314cc0b2d33052686ba2c4.publb.rackspaceclouddb.com" },
            { "access": "write", "network": "servicenet", "port": 3306, "address": "cdd9187448314cc0b2d33052686ba2c4.publb.rackspaceclouddb.com" },
        ],
        "created": "2016-03-15T16:30:00Z",
        "updated": "2016-03-15T16:36:48Z",
    } })
}

/// "Querying Details of a DDM Instance"; the nodes restart with the instance.
pub(crate) fn ddm_instance(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "name": ids::DDM_NAME,
        "status": status,
        "created": "2024-05-20T08:30:00+0000",
        "updated": "2024-05-20T08:45:00+0000",
        "available_zone": "eu-de-01",
        "vpc_id": "5e1e1a7e-6f5a-4e04-9a7e-3c1f0c2f1a11",
        "subnet_id": "1c8e9d2a-7b3f-4f7e-8a6d-2b9c0e5f4d22",
        "security_group_id": "8a2b6c4d-1e3f-4a5b-9c7d-0e1f2a3b4c33",
        "node_count": 2,
        "access_ip": "192.168.0.160",
        "access_port": "5066",
        "node_status": status,
        "core_count": "4",
        "ram_capacity": "8",
        "project_id": ids::PROJECT,
        "enterprise_project_id": "0",
        "engine_version": "3.0.9",
        "nodes": [
            { "status": status, "port": "5066", "ip": "192.168.0.161" },
            { "status": status, "port": "5066", "ip": "192.168.0.162" },
        ],
    })
}

/// "Querying Details About a Development Environment Instance".
pub(crate) fn modelarts_instance(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "name": "notebook-restart-test",
        "description": "",
        "status": status,
        "creation_timestamp": "1716193800000",
        "latest_update_timestamp": "1716194700000",
        "profile": {
            "id": "Python3-cpu", "name": "Python3", "description": "Python3 CPU",
            "de_type": "Notebook", "flavor_type": "CPU",
            "provision": { "type": "Docker", "spec": { "engine": "CCE" } },
            "labels": {},
        },
        "flavor": "modelarts.vm.cpu.2u",
        "flavor_details": { "name": "modelarts.vm.cpu.2u", "status": "normal", "type": "CPU" },
        "spec": { "storage": { "type": "evs", "location": { "path": "/home/ma-user/work" } } },
        "workspace": { "id": "0" },
        "ai_project": { "id": "default-ai-project" },
        "user": { "id": USER_ID, "name": "demo" },
        "error_code": "",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u16) -> Microversion {
        Microversion { major: 2, minor }
    }

    #[test]
    fn a_rebooting_server_shows_its_task_state() {
        let soft = server("http://h/ecs", "s", "n", "REBOOT", v(1));
        assert_eq!(soft["server"]["status"], "REBOOT");
        assert_eq!(soft["server"]["OS-EXT-STS:task_state"], "rebooting");
        assert_eq!(soft["server"]["OS-EXT-STS:vm_state"], "active");
        let hard = server("http://h/ecs", "s", "n", "HARD_REBOOT", v(1));
        assert_eq!(hard["server"]["OS-EXT-STS:task_state"], "rebooting_hard");
        let done = server("http://h/ecs", "s", "n", "ACTIVE", v(1));
        assert!(done["server"]["OS-EXT-STS:task_state"].is_null());
    }

    #[test]
    fn the_server_shape_follows_the_microversion() {
        let old = &server("http://h/ecs", "s", "n", "ACTIVE", v(1))["server"];
        assert_eq!(old["flavor"]["id"], "1");
        assert!(old.get("locked").is_none() && old.get("tags").is_none());
        assert_eq!(
            old["links"][0]["href"],
            format!("http://h/ecs/v2.1/{}/servers/s", ids::PROJECT)
        );
        let new = &server("http://h/ecs", "s", "n", "ACTIVE", v(60))["server"];
        assert!(new["flavor"].get("id").is_none());
        assert_eq!(new["flavor"]["original_name"], "m1.tiny");
        assert_eq!(new["locked"], false);
        assert!(new["description"].is_null());
        assert_eq!(new["tags"], json!([]));
    }

    #[test]
    fn database_shows_carry_the_state_and_links() {
        let i = &trove_instance("http://h/clouddb", "i", "n", "REBOOT")["instance"];
        assert_eq!(i["status"], "REBOOT");
        assert_eq!(
            i["links"][0]["href"],
            "http://h/clouddb/v1.0/1234/instances/i"
        );
        assert_eq!(i["links"][1]["rel"], "bookmark");
        let entry = trove_list_entry("http://h/clouddb", "i", "n", "REBOOT");
        assert_eq!(entry["status"], "REBOOT");
        assert!(entry.get("hostname").is_none() && entry["links"].is_array());
        assert_eq!(numbered("x", Some(0)), "x");
        assert_eq!(numbered("x", Some(1)), "x-2");
        let ha = &ha_instance("http://h/clouddb-ha", "ha", "REBOOT")["ha_instance"];
        assert_eq!(ha["state"], "REBOOT");
        assert_eq!(ha["replicas"][0]["status"], "REBOOT");
        let ddm = ddm_instance("d", "RESTARTING");
        assert_eq!(ddm["node_status"], "RESTARTING");
        assert_eq!(ddm["nodes"].as_array().map(Vec::len), Some(2));
        assert_eq!(modelarts_instance("m", "REBOOTING")["status"], "REBOOTING");
    }
}
