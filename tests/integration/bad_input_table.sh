# Every bad input, one table: every value-taking option of every subcommand's
# --help with every value class of bad_input_table.txt (see bad_input_table.py).
set -euo pipefail
exec timeout 900 python3 "$(dirname "$0")/bad_input_table.py" "${1:?usage: $0 PATH_TO_TCPSWARM}"
