"""The Socket.IO adapter: event handlers that parse, call one action and reply."""
