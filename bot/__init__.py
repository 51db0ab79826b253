"""The live-cohost process: config, the aiohttp + Socket.IO app, the CLI."""
