# broapt's extraction scripts for Zeek >= 5 (docs/engines.md). `broapt run`
# loads this folder plus a broapt-config.zeek it writes from the BROAPT_*
# switches; to use them in your own Zeek deployment, load this folder and
# redef the BroAPT options yourself.
@load ./file-extensions
@load ./main
