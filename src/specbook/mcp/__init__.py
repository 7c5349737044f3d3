"""The MCP face: specbook's tools for agents (:mod:`specbook.mcp.server`)."""
