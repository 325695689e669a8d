/* procmem: resident memory read from /proc/PID/statm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "tcpswarm/procmem.h"

static void test_own_rss_is_whole_pages(void **state)
{
	(void)state;
	uint64_t rss = rss_bytes();
	assert_true(rss > 0);
	assert_int_equal(rss % (uint64_t)sysconf(_SC_PAGESIZE), 0);
	assert_true(rss_bytes_of(getpid()) > 0);
}

static void test_rss_grows_with_touched_memory(void **state)
{
	(void)state;
	size_t len = 32u << 20;
	uint64_t before = rss_bytes();
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 1, len);
	uint64_t after = rss_bytes();
	munmap(p, len);
	assert_true(after >= before + len / 2);
}

static void test_missing_process_reads_zero(void **state)
{
	(void)state;
	assert_int_equal(rss_bytes_of(2147483647), 0); /* above any pid_max */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_rss_is_whole_pages),
		cmocka_unit_test(test_rss_grows_with_touched_memory),
		cmocka_unit_test(test_missing_process_reads_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
