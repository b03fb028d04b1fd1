"""`crossdock compare`: the command, its terminal table and its report files (HTML, JSON, Markdown)."""
