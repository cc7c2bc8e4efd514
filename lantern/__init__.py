"""The composition root: builds the web app, the CLI, the table registry, the demo and the whole-database check
from the domain packages, which never import it. Importing it connects the hooks (lantern.wiring)."""
from lantern.wiring import wire

wire()
