# cocobroker serve / volume (broker/server, broker/store), the shared wire
# protocol module (proto/, built for the host here and for musl as a check),
# their tests (tests/broker), fuzz target and the boot-storm benchmark.

SERVICE_SRCS := $(sort $(wildcard broker/server/*.c broker/store/*.c))
PROTO_SRCS   := $(sort $(wildcard proto/*.c))
# (fragments are included in sorted order: this one comes before verify.mk and
# keys/keys.mk, so their variables are not used in prerequisites here)
SERVICE_HDRS := $(wildcard broker/server/*.h broker/store/*.h proto/*.h broker/verify/*.h)
SERVICE_KEYS_STAMP := $(BUILD)/keys/.generated
SERVICE_CFLAGS = $(MBEDTLS_HOST_CFLAGS) -Ibroker -I/usr/include/postgresql
SERVICE_OBJS := $(patsubst %.c,$(BUILD)/service/%.o,$(SERVICE_SRCS))
PROTO_OBJS   := $(patsubst %.c,$(BUILD)/service/%.o,$(PROTO_SRCS))
PROTO_OBJS_SAN := $(patsubst %.c,$(BUILD)/service-san/%.o,$(PROTO_SRCS))
STORE_OBJS_SAN := $(patsubst %.c,$(BUILD)/service-san/%.o,$(sort $(wildcard broker/store/*.c)))
SERVICE_LIBS := -lsqlite3 -lpq -lhttp_parser -lcjson -lpthread

$(BUILD)/service/%.o: %.c $(SERVICE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(SERVICE_CFLAGS) -c $< -o $@
$(BUILD)/service-san/%.o: %.c $(SERVICE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(SERVICE_CFLAGS) -c $< -o $@

$(BUILD)/broker/cmd_serve.o $(BUILD)/broker/cmd_volume.o $(BUILD)/broker/cmd_audit.o: $(SERVICE_HDRS)
COCOBROKER_OBJS += $(BUILD)/broker/cmd_serve.o $(BUILD)/broker/cmd_volume.o $(BUILD)/broker/cmd_audit.o $(SERVICE_OBJS) $(PROTO_OBJS)
COCOBROKER_LIBS += $(SERVICE_LIBS)

# ---- proto/ for the guest: the same sources with musl and the trimmed mbedTLS
PROTO_MUSL_OBJS := $(patsubst %.c,$(BUILD)/proto-musl/%.o,$(PROTO_SRCS))
$(BUILD)/proto-musl/%.o: %.c $(wildcard proto/*.h) $(MBEDTLS_MUSL_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(GUEST_CFLAGS) $(MBEDTLS_MUSL_CFLAGS) -c $< -o $@
PROTO_MUSL_LIB := $(BUILD)/proto-musl/libcocoproto.a
$(PROTO_MUSL_LIB): $(PROTO_MUSL_OBJS)
	@rm -f $@ && ar rcs $@ $^
ALL_TARGETS += $(PROTO_MUSL_LIB)

# ---- tests -----------------------------------------------------------------
TB := $(BUILD)/tests/broker
TB_CFLAGS = $(MBEDTLS_HOST_CFLAGS) -Ibroker -Itests/lib

# proto unit tests: host with sanitizers, and the same test as a static musl binary
$(TB)/test-proto: tests/broker/test_proto.c $(PROTO_OBJS_SAN) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(PROTO_OBJS_SAN) $(MBEDTLS_HOST_LIBS)
$(TB)/test-proto-musl: tests/broker/test_proto.c $(PROTO_MUSL_LIB) $(MBEDTLS_MUSL_STAMP)
	@mkdir -p $(@D)
	@$(MUSL_CC) $(GUEST_CFLAGS) $(MBEDTLS_MUSL_CFLAGS) -Itests/lib -o $@ $< $(PROTO_MUSL_LIB) $(GUEST_LDFLAGS) $(MBEDTLS_MUSL_LIBS)

CHECK_SUITES += proto
check-proto: $(TB)/test-proto $(TB)/test-proto-musl
	@$(TB)/test-proto-musl | sed 's/^/musl: /' | grep -v ' passed, ' || true
	@$(TB)/test-proto-musl >/dev/null || { echo "musl build of the proto tests failed"; exit 1; }
	@$(TB)/test-proto
.PHONY: check-proto

# store unit tests (sanitizers)
$(TB)/test-store: tests/broker/test_store.c $(STORE_OBJS_SAN) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(STORE_OBJS_SAN) $(MBEDTLS_HOST_LIBS) -lsqlite3 -lpq -lcjson -lpthread

CHECK_SUITES += broker-store
check-broker-store: $(TB)/test-store
	@$(TB)/test-store $(TB)/store-tmp
.PHONY: check-broker-store

# broker request input: HTTP framing and body decode (sanitizers)
HTTP_DECODE_SAN := $(BUILD)/service-san/broker/server/http_request.o $(BUILD)/service-san/broker/server/request_decode.o \
	$(BUILD)/service-san/proto/request.o
$(TB)/test-http-decode: tests/broker/test_http_decode.c $(HTTP_DECODE_SAN) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(HTTP_DECODE_SAN) $(MBEDTLS_HOST_LIBS) -lhttp_parser -lcjson

CHECK_SUITES += broker-input
check-broker-input: $(TB)/test-http-decode
	@$(TB)/test-http-decode
.PHONY: check-broker-input

# the test client: handshake with an ephemeral identity, binding, evidence
$(TB)/unlock-client: tests/broker/unlock_client.c tests/broker/sim_snp.c tests/broker/sim_snp.h tests/broker/sim_tdx.c \
		tests/broker/sim_tdx.h $(PROTO_OBJS) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TB_CFLAGS) -o $@ tests/broker/unlock_client.c tests/broker/sim_snp.c tests/broker/sim_tdx.c \
		$(PROTO_OBJS) $(MBEDTLS_HOST_LIBS)
$(TB)/bootstorm: tests/broker/bootstorm.c tests/broker/sim_snp.c tests/broker/sim_snp.h $(PROTO_OBJS) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TB_CFLAGS) -o $@ tests/broker/bootstorm.c tests/broker/sim_snp.c $(PROTO_OBJS) $(MBEDTLS_HOST_LIBS) -lm

CHECK_SUITES += broker
check-broker: $(BUILD)/cocobroker $(TB)/unlock-client $(SERVICE_KEYS_STAMP)
	@tests/lib/sum.sh "tests/broker/test-broker.sh $(BUILD)/cocobroker $(TB)/unlock-client $(BUILD)/keys $(TB)/e2e" \
		"tests/broker/test-enrol.sh $(BUILD)/cocobroker $(TB)/enrol"
.PHONY: check-broker

# the same end-to-end suite against a broker built with ASan+UBSan
# (cmd_measure and the measure objects: main.c's command table names them)
COCOBROKER_SAN_SRCS := broker/main.c broker/cmd_verify.c broker/cmd_serve.c broker/cmd_volume.c broker/cmd_audit.c \
	broker/cmd_measure.c $(SERVICE_SRCS) $(PROTO_SRCS)
COCOBROKER_SAN_OBJS := $(patsubst %.c,$(BUILD)/service-san/%.o,$(COCOBROKER_SAN_SRCS))
$(BUILD)/service-san/broker/main.o $(BUILD)/service-san/broker/cmd_verify.o: broker/commands.h
$(TB)/cocobroker-san: $(COCOBROKER_SAN_OBJS) $(MEASURE_OBJS_SAN) $(BUILD)/broker/libcbverify-san.a $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) -o $@ $(COCOBROKER_SAN_OBJS) $(MEASURE_OBJS_SAN) $(BUILD)/broker/libcbverify-san.a \
		$(MBEDTLS_HOST_LIBS) $(SERVICE_LIBS)

CHECK_SUITES += broker-asan
check-broker-asan: $(TB)/cocobroker-san $(TB)/unlock-client $(SERVICE_KEYS_STAMP)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/lib/sum.sh \
		"tests/broker/test-broker.sh $(TB)/cocobroker-san $(TB)/unlock-client $(BUILD)/keys $(TB)/e2e-asan" \
		"tests/broker/test-enrol.sh $(TB)/cocobroker-san $(TB)/enrol-asan"
.PHONY: check-broker-asan

BENCH_TARGETS += bootstorm
BOOTSTORM_CLIENTS ?= 1000
BOOTSTORM_REQUESTS ?= $(BOOTSTORM_CLIENTS)
bench-bootstorm: $(BUILD)/cocobroker $(TB)/bootstorm $(SERVICE_KEYS_STAMP)
	@tests/broker/bench-bootstorm.sh $(BUILD)/cocobroker $(TB)/bootstorm $(BUILD)/keys $(TB)/bench $(BOOTSTORM_CLIENTS) $(BOOTSTORM_REQUESTS)
.PHONY: bench-bootstorm

# ---- fuzz: the guest's answer parser (it reads what a hostile network sends)
FUZZ_TARGETS += proto-response
$(BUILD)/fuzz/proto-response: broker/fuzz-service/fuzz_response.c $(PROTO_SRCS) $(wildcard proto/*.h) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined $(MBEDTLS_HOST_CFLAGS) \
		-o $@ broker/fuzz-service/fuzz_response.c $(PROTO_SRCS) $(MBEDTLS_HOST_LIBS)
fuzz-proto-response: $(BUILD)/fuzz/proto-response
	@mkdir -p $(BUILD)/fuzz/proto-response-corpus
	@set -o pipefail; $(BUILD)/fuzz/proto-response -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-artifact_prefix=$(BUILD)/fuzz/crash-proto-response- $(BUILD)/fuzz/proto-response-corpus 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-proto-response

# ---- fuzz: the LUKS2 header `volume confirm --device` reads (broker/store/luks2.c)
FUZZ_TARGETS += luks2-confirm
$(BUILD)/fuzz/luks2-confirm: broker/fuzz-service/fuzz_luks2.c broker/store/luks2.c broker/store/luks2.h $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -DLUKS2_MAX_ITERATIONS=64 -fsanitize=fuzzer,address,undefined \
		$(MBEDTLS_HOST_CFLAGS) -o $@ broker/fuzz-service/fuzz_luks2.c broker/store/luks2.c $(MBEDTLS_HOST_LIBS) -lcjson
# seed: a real header (cryptsetup on a file, 16 KiB of it with its JSON area), when cryptsetup is installed
fuzz-luks2-confirm: $(BUILD)/fuzz/luks2-confirm
	@mkdir -p $(BUILD)/fuzz/luks2-confirm-corpus
	@if command -v cryptsetup >/dev/null && [ ! -e $(BUILD)/fuzz/luks2-confirm-corpus/seed ]; then \
		truncate -s 20M $(BUILD)/fuzz/luks2-seed.img && head -c 8 /dev/urandom > $(BUILD)/fuzz/luks2-seed.pass && \
		cryptsetup luksFormat -q --type luks2 --uuid 11111111-2222-4333-8444-555555555555 --pbkdf pbkdf2 \
			--pbkdf-force-iterations 1000 $(BUILD)/fuzz/luks2-seed.img $(BUILD)/fuzz/luks2-seed.pass && \
		head -c 16384 $(BUILD)/fuzz/luks2-seed.img > $(BUILD)/fuzz/luks2-confirm-corpus/seed; \
		rm -f $(BUILD)/fuzz/luks2-seed.img $(BUILD)/fuzz/luks2-seed.pass; fi
	@set -o pipefail; $(BUILD)/fuzz/luks2-confirm -max_total_time=$(FUZZ_SECONDS) -max_len=20000 \
		-artifact_prefix=$(BUILD)/fuzz/crash-luks2-confirm- $(BUILD)/fuzz/luks2-confirm-corpus 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-luks2-confirm

# ---- fuzz: the broker's request input (HTTP framing in chunks, then the JSON body)
FUZZ_TARGETS += broker-request
$(BUILD)/fuzz/broker-request: broker/fuzz-service/fuzz_request.c broker/server/http_request.c broker/server/request_decode.c \
		proto/request.c $(SERVICE_HDRS) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined $(MBEDTLS_HOST_CFLAGS) \
		-o $@ broker/fuzz-service/fuzz_request.c broker/server/http_request.c broker/server/request_decode.c \
		proto/request.c $(MBEDTLS_HOST_LIBS) -lhttp_parser -lcjson
# seeds (first byte: the chunk size, then the HTTP request): broker/fuzz-service/seeds-broker-request
fuzz-broker-request: $(BUILD)/fuzz/broker-request
	@mkdir -p $(BUILD)/fuzz/broker-request-corpus
	@set -o pipefail; $(BUILD)/fuzz/broker-request -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -artifact_prefix=$(BUILD)/fuzz/crash-broker-request- \
		$(BUILD)/fuzz/broker-request-corpus broker/fuzz-service/seeds-broker-request 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-broker-request

# ---- the broker on a real PostgreSQL (tests/broker/pg-server.sh starts one) and the storm with failures
# (test-store-shared: store.h's semantics on either backend, ASan+UBSan)
$(TB)/test-store-shared: tests/broker/test_store_shared.c $(STORE_OBJS_SAN) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(STORE_OBJS_SAN) $(MBEDTLS_HOST_LIBS) -lsqlite3 -lpq -lcjson -lpthread
BROKER_PG_STORM ?= 1000
CHECK_SUITES += broker-pg
check-broker-pg: $(BUILD)/cocobroker $(TB)/unlock-client $(TB)/bootstorm $(TB)/test-store-shared $(SERVICE_KEYS_STAMP) \
		| $(DEPS_STAMP)
	@tests/broker/test-broker-pg.sh $(BUILD)/cocobroker $(TB)/unlock-client $(TB)/bootstorm $(TB)/test-store-shared \
		$(BUILD)/keys $(TB)/pg $(BROKER_PG_STORM)
.PHONY: check-broker-pg
