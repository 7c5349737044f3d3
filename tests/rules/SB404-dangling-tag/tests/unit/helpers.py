def build():
    # implements SPEC-002/FR-1  # SB404
    return "BUG-404/FR-1 is not a tag: BUG has no such prefix match rule here"
