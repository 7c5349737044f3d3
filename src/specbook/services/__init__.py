"""What the faces (cli/, web/, mcp/) ask for, one module a capability: creating and
moving documents (create, lifecycle, multi, author), adopting a folder (adopt,
zeroconf, init, adr_import), and reading a book whole (report, show, export).
"""
