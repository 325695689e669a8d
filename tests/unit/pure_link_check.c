/* Linked with every object of tcpswarm_pure and nothing of the engine
 * (tests/CMakeLists.txt): if it links, no pure module calls the engine. */
int main(void) { return 0; }
