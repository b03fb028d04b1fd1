"""The kubernetes adapter: ``adapter`` holds the class; the other modules are its parts."""
