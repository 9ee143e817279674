"""Session-state keys of the UI, in one place (a key names its page, then what it holds)."""

# Designer
DRAFT_ID = "designer.draft_id"  # the open draft's id
DRAFT = "designer.draft"  # the open draft's spec, name and revision, as last saved
ISSUES = "designer.issues"  # the open draft's validation issues, refreshed on every change
SELECTED = "designer.selected"  # the node whose properties pane is open
GRAPH_CLICK = "designer.graph_click"  # the graph's last reported click, to notice a new one
FORM_GEN = "designer.form_gen"  # bumped when the spec changes under the forms (undo, open)
FIELD_ERRORS = "designer.field_errors"  # {(node, field): message} refused before saving
FLASH = "designer.flash"  # (kind, text) shown once at the top of the page
SHOW_ISSUES = "designer.show_issues"
NODE_SELECT = "designer.node_select"  # the properties pane's node picker
PALETTE_SEARCH = "designer.palette_search"

# Runs
RUN_ID = "runs.run_id"  # the run the run page shows
RUN_STEP = "runs.step"  # the step selected on the run page
RUN_GRAPH_CLICK = "runs.graph_click"
COMPARE = "runs.compare"  # (run a, run b) for the compare page

# Endpoints
ENDPOINT = "endpoints.endpoint"  # the endpoint the Endpoints page shows
DEPLOY_RUN = "endpoints.deploy_run"  # a run chosen for the Deploy form (from the Run page)
