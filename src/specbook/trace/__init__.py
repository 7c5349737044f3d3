"""Links between documents and from documents to code and tests."""
