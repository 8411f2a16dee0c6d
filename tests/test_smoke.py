def test_post_and_read(factory, login):
    factory.user("alice")
    factory.user("bob")
    factory.channel("ehr-tips", members=("alice", "bob"))
    alice = login("alice")
    r = alice.post("/api/v1/channels/ehr-tips/messages", json={"body": "Hello **team**", "client_msg_id": "c1"})
    assert r.status_code == 201, r.json
    bob = login("bob")
    sock = bob.socket()
    assert sock.is_connected()
    ack = sock.emit("send_message", {"channel": "ehr-tips", "body": "hi", "client_msg_id": "x"}, callback=True)
    assert ack["ok"], ack
    r = bob.get("/api/v1/channels/ehr-tips/messages")
    assert [m["body"] for m in r.json["messages"]] == ["Hello **team**", "hi"]
    print(r.json)
    print(alice.get("/api/v1/channels").json)
