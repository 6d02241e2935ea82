# `make bench` (tests/bench/bench.sh, docs/performance.md "make bench"): the
# broker's per-attestation CPU and its rate against a same-run physical
# anchor (anchor.c: OpenSSL 3, the same protocol work and nothing else) and
# against tang as Debian deploys it, all loaded by one cheap generator
# (loadgen.c: OpenSSL 3, identities and signature nonces prepared before the
# timed run). Prints numbers, never pass/fail on timings; fails when a
# request fails or a server gives a wrong answer. tang and jose come from
# tests/compare/packages.txt (installed by this target only, units masked;
# the stamp is named through second expansion: compare.mk is read after this).
TBENCH := $(BUILD)/tests/bench
BENCH_CFLAGS = $(MBEDTLS_HOST_CFLAGS)
BENCH_GEN_SRCS := tests/bench/loadgen.c tests/bench/evidence.c tests/bench/presign.c tests/bench/proc_cpu.c \
	tests/broker/sim_snp.c
BENCH_HDRS := $(wildcard tests/bench/*.h) tests/broker/sim_snp.h $(PROTO_HDRS)

$(TBENCH)/loadgen: $(BENCH_GEN_SRCS) $(BENCH_HDRS) $(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(BENCH_CFLAGS) -o $@ $(BENCH_GEN_SRCS) $(PROTO_LIB) $(COMMON_HOST_A) \
		$(MBEDTLS_HOST_LIBS) -lssl -lcrypto -lm
$(TBENCH)/anchor: tests/bench/anchor.c $(BENCH_HDRS) $(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(BENCH_CFLAGS) -o $@ tests/bench/anchor.c $(PROTO_LIB) $(COMMON_HOST_A) \
		$(MBEDTLS_HOST_LIBS) $(PROTO_HOST_LDLIBS) -lssl -lcrypto -lpthread

BENCH_TARGETS += attest
bench-attest: $(BUILD)/cocobroker $(TBENCH)/loadgen $(TBENCH)/anchor $(SERVICE_KEYS_STAMP) \
		| $(DEPS_STAMP) $$(COMPARE_PKGS_STAMP)
	@tests/bench/bench.sh $(BUILD)/cocobroker $(TBENCH)/loadgen $(TBENCH)/anchor $(BUILD)/keys $(TBENCH)/run
.PHONY: bench-attest
