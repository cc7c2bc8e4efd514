"""Who may do what with people's records: coordinators manage them; finance reads them; a family user sees only
their own child (provider.people.access); administrators (users and settings) and trustees see none of them."""
from provider.users.models import Role
from provider.web.deps import allow

CAN_READ = allow(Role.finance, Role.coordinator)
CAN_SEE_A_CHILD = allow(Role.finance, Role.coordinator, Role.family)
COORDINATOR = allow(Role.coordinator)
