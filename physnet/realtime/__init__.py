"""Real-time delivery over Socket.IO: connection handlers and the broadcast helpers."""
