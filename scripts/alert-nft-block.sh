#!/bin/sh
# A BROAPT_ALERT_COMMAND recipe (docs/alerts.md): add the host that sent an
# alerting file to an nftables set, e.g. one a drop rule matches:
#   BROAPT_ALERT_COMMAND=/path/to/alert-nft-block.sh
# NFT_FAMILY, NFT_TABLE, NFT_SET name the set [inet broapt blocked];
# NFT_DRY_RUN=1 prints the nft command instead of running it.
set -eu
family=${NFT_FAMILY:-inet}
table=${NFT_TABLE:-broapt}
set=${NFT_SET:-blocked}
host=${BROAPT_ALERT_SENDER:-}
# Zeek wrote it as an address, but it lands inside nft's own syntax: only an IP address goes on.
case $host in
  '') echo "alert ${BROAPT_ALERT_ID:-?}: no sender address in the capture's logs; nothing to block" >&2; exit 0 ;;
  *[!0-9A-Fa-f.:]*) echo "alert ${BROAPT_ALERT_ID:-?}: sender is not an IP address; not blocking" >&2; exit 0 ;;
esac
if [ "${NFT_DRY_RUN:-}" = 1 ]; then
  echo "nft add element $family $table $set { $host }"
  exit 0
fi
exec nft add element "$family" "$table" "$set" "{ $host }"
