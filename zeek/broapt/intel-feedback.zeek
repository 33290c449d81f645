# Zeek Intel feedback (docs/alerts.md): load this script in your Zeek to raise
# an Intel::Notice when a file broapt found malicious crosses the wire again.
# broapt keeps the file named here when BROAPT_INTEL_FILE points at it; edit
# the path to match. Intel::FILE_HASH matches need the file hashes computed:
# `@load frameworks/files/hash-all-files` (or BroAPT's BROAPT_HASH_* switches).
# `broapt run` does not load it (__load__.zeek does not name it).
@load frameworks/intel/seen
redef Intel::read_files += { "/srv/broapt/logs/intel.dat" };
