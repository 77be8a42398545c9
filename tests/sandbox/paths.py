"""Where the repository and the shared design folder (beside the clone) are, and its validator."""

import importlib.util
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = (REPO_ROOT / ".." / "shared").resolve()
OPENAPI = SHARED / "openapi"
EXAMPLES = SHARED / "api-examples"
DEVLAKE_GITHUB = SHARED / "devlake-fixtures" / "github"

# validate.py is a script beside the OpenAPI files, so it is loaded by path.
_spec = importlib.util.spec_from_file_location("shared_openapi_validate", OPENAPI / "validate.py")
validate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate)
validate_response = validate.validate_response
validate_schema = validate.validate_schema
