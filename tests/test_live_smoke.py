import socketio


def test_live(live_server):
    live_server.factory.user("alice")
    live_server.factory.channel("ehr-tips", members=("alice",))
    token = live_server.factory.token("alice")
    got = []
    c = socketio.Client()
    c.on("message", lambda m: got.append(m))
    c.connect(live_server.url, auth={"token": token}, transports=["websocket"])
    ack = c.call("send_message", {"channel": "ehr-tips", "body": "x", "client_msg_id": "a"})
    assert ack["ok"]
    c.sleep(0.3)
    assert got and got[0]["body"] == "x"
    c.disconnect()
