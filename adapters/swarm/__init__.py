"""The swarm adapter: ``adapter`` holds the class; the other modules are its parts."""
