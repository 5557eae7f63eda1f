"""The channel-neutral conversation: `engine.handle(incoming, session=...) -> [OutgoingMessage]`."""
