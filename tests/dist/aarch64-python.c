/*
 * An aarch64 CPython interpreter for tests/dist/aarch64.sh: Debian's libpython (installed
 * for the arm64 architecture beside the amd64 system, `make deps-dist-test`) embedded in a
 * main() that is nothing but Py_BytesMain, cross-compiled with zig cc and run under
 * qemu-user. Debian's python3:arm64 itself cannot be installed beside python3:amd64 (both
 * own /usr/bin/python3.X); its libpython and standard library can.
 *
 * Py_BytesMain is declared here (CPython's stable ABI, 3.8+) so that no arm64 headers
 * are needed.
 */
int Py_BytesMain(int argc, char **argv);

int main(int argc, char **argv) {
    return Py_BytesMain(argc, argv);
}
