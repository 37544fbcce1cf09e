# Shared by the scripts of scripts/vm (sourced, not run).

# The cache survives between runs and is never inside the repository.
VM_CACHE="${SIPGW_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sipgw-vm}"

log() { printf 'vm: %s\n' "$*" >&2; }
die() { printf 'vm: FAIL: %s\n' "$*" >&2; exit 1; }

# need_root: apt-get, dpkg-deb and the initramfs (device nodes owned by root)
# assume root, as on the development and CI machines.
need_root() { [ "$(id -u)" = 0 ] || die "run as root (apt-get installs the VM's packages)"; }
