# cocobroker serve / volume (broker/server, broker/store) on the wire module
# (proto/proto.mk), their tests (tests/broker), fuzz target and the boot-storm
# benchmark.

SERVICE_SRCS := $(sort $(wildcard broker/server/*.c broker/store/*.c))
# Independent of include order: variables of fragments read later (verify.mk,
# measure.mk, keys/keys.mk) appear in prerequisites only through second
# expansion ($$(VAR)), and in recipes.
SERVICE_HDRS := $(wildcard broker/server/*.h broker/store/*.h proto/*.h broker/verify/*.h) $(COMMON_HDRS)
SERVICE_KEYS_STAMP := $(BUILD)/keys/.generated
SERVICE_CFLAGS = $(MBEDTLS_HOST_CFLAGS) -I/usr/include/postgresql
SERVICE_OBJS := $(patsubst %.c,$(BUILD)/service/%.o,$(SERVICE_SRCS))
STORE_OBJS_SAN := $(patsubst %.c,$(BUILD)/service-san/%.o,$(sort $(wildcard broker/store/*.c)))
SERVICE_LIBS := -lsqlite3 -lpq -lssl -lcrypto $(PROTO_HOST_LDLIBS) $(COLLATERAL_LIBS) -lpthread

$(BUILD)/service/%.o: %.c $(SERVICE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(SERVICE_CFLAGS) -c $< -o $@
$(BUILD)/service-san/%.o: %.c $(SERVICE_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(SERVICE_CFLAGS) -c $< -o $@

$(BUILD)/broker/cmd_serve.o $(BUILD)/broker/cmd_volume.o $(BUILD)/broker/cmd_store.o $(BUILD)/broker/cmd_audit.o $(BUILD)/broker/cmd_policy.o: $(SERVICE_HDRS) broker/admin_cli.h
COCOBROKER_OBJS += $(BUILD)/broker/cmd_serve.o $(BUILD)/broker/cmd_volume.o $(BUILD)/broker/cmd_store.o $(BUILD)/broker/cmd_audit.o \
	$(BUILD)/broker/cmd_policy.o $(SERVICE_OBJS) $(PROTO_LIB)
COCOBROKER_LIBS += $(SERVICE_LIBS)

# ---- tests -----------------------------------------------------------------
TB := $(BUILD)/tests/broker
TB_CFLAGS = $(MBEDTLS_HOST_CFLAGS)

# store unit tests (sanitizers)
$(TB)/test-store: broker/store/tests/test-store.c $(STORE_OBJS_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(STORE_OBJS_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS) -lsqlite3 -lpq -lcjson -lpthread

CHECK_SUITES += broker-store
check-broker-store: $(TB)/test-store
	@$(TB)/test-store $(TB)/store-tmp
.PHONY: check-broker-store

# the test client: handshake with an ephemeral identity, binding, evidence
$(TB)/unlock-client: tests/broker/unlock_client.c tests/broker/sim_snp.c tests/broker/sim_snp.h tests/broker/sim_tdx.c \
		tests/broker/sim_tdx.h $(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TB_CFLAGS) -o $@ tests/broker/unlock_client.c tests/broker/sim_snp.c tests/broker/sim_tdx.c \
		$(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS)
$(TB)/bootstorm: tests/broker/bootstorm.c tests/broker/sim_snp.c tests/broker/sim_snp.h $(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(TB_CFLAGS) -o $@ tests/broker/bootstorm.c tests/broker/sim_snp.c $(PROTO_LIB) $(COMMON_HOST_A) $(MBEDTLS_HOST_LIBS) -lm

# the connection's answer buffer: a key answer in secret memory, wiped when freed (sanitizers; the
# server's own objects, from an archive so that only what answer.c needs is linked)
SERVICE_SAN_A := $(BUILD)/service-san/libservice.a
$(SERVICE_SAN_A): $(patsubst %.c,$(BUILD)/service-san/%.o,$(SERVICE_SRCS) $(COLLATERAL_SRCS))
	@rm -f $@ && ar rcs $@ $^
$(TB)/test-answer: broker/server/tests/test-answer.c $(SERVICE_SAN_A) $(PROTO_LIB_SAN) $(COMMON_SAN_A) $(SERVICE_HDRS) \
		tests/lib/check.h tests/lib/smaps.h $(MBEDTLS_HOST_STAMP) $$(VERIFY_LIB_SAN)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(SERVICE_SAN_A) $(PROTO_LIB_SAN) $(VERIFY_LIB_SAN) \
		$(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS) $(SERVICE_LIBS)

CHECK_SUITES += broker
check-broker: $(BUILD)/cocobroker $(TB)/unlock-client $(TB)/test-answer $(SERVICE_KEYS_STAMP)
	@tests/lib/sum.sh "$(TB)/test-answer" \
		"tests/broker/test-broker.sh $(BUILD)/cocobroker $(TB)/unlock-client $(BUILD)/keys $(TB)/e2e" \
		"tests/broker/test-enrol.sh $(BUILD)/cocobroker $(TB)/enrol" \
		"tests/broker/test-fleet.sh $(BUILD)/cocobroker $(TB)/unlock-client $(BUILD)/keys $(TB)/fleet" \
		"tests/broker/test-crash.sh $(BUILD)/cocobroker $(TB)/crash"
.PHONY: check-broker

# the same end-to-end suite against a broker built with ASan+UBSan
# (cmd_measure and the measure objects: main.c's command table names them)
COCOBROKER_SAN_SRCS := broker/main.c broker/cmd_verify.c broker/cmd_serve.c broker/cmd_volume.c broker/cmd_store.c broker/cmd_audit.c \
	broker/cmd_measure.c broker/cmd_collateral.c broker/cmd_policy.c $(SERVICE_SRCS) $(COLLATERAL_SRCS)
COCOBROKER_SAN_OBJS := $(patsubst %.c,$(BUILD)/service-san/%.o,$(COCOBROKER_SAN_SRCS))
$(BUILD)/service-san/broker/main.o $(BUILD)/service-san/broker/cmd_verify.o: broker/commands.h
$(TB)/cocobroker-san: $(COCOBROKER_SAN_OBJS) $(PROTO_LIB_SAN) $$(MEASURE_OBJS_SAN) $$(VERIFY_LIB_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(HOST_CC) $(SAN_CFLAGS) -o $@ $(COCOBROKER_SAN_OBJS) $(PROTO_LIB_SAN) $(MEASURE_OBJS_SAN) $(VERIFY_LIB_SAN) \
		$(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS) $(SERVICE_LIBS)

CHECK_SUITES += broker-asan
check-broker-asan: $(TB)/cocobroker-san $(TB)/unlock-client $(SERVICE_KEYS_STAMP)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/lib/sum.sh \
		"tests/broker/test-broker.sh $(TB)/cocobroker-san $(TB)/unlock-client $(BUILD)/keys $(TB)/e2e-asan" \
		"tests/broker/test-enrol.sh $(TB)/cocobroker-san $(TB)/enrol-asan" \
		"tests/broker/test-fleet.sh $(TB)/cocobroker-san $(TB)/unlock-client $(BUILD)/keys $(TB)/fleet-asan"
.PHONY: check-broker-asan

# not in `make bench` any more (tests/bench/ measures the broker against an anchor and
# tang with a cheap generator); still run by bench-compare (tests/compare/broker-load.sh)
BOOTSTORM_CLIENTS ?= 1000
BOOTSTORM_REQUESTS ?= $(BOOTSTORM_CLIENTS)
bench-bootstorm: $(BUILD)/cocobroker $(TB)/bootstorm $(SERVICE_KEYS_STAMP)
	@tests/broker/bench-bootstorm.sh $(BUILD)/cocobroker $(TB)/bootstorm $(BUILD)/keys $(TB)/bench $(BOOTSTORM_CLIENTS) $(BOOTSTORM_REQUESTS)
.PHONY: bench-bootstorm

# ---- the broker on a real PostgreSQL (tests/broker/pg-server.sh starts one) and the storm with failures
# (test-store-shared: store.h's semantics on either backend, ASan+UBSan)
$(TB)/test-store-shared: broker/store/tests/test-store-shared.c $(STORE_OBJS_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TB_CFLAGS) -o $@ $< $(STORE_OBJS_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS) -lsqlite3 -lpq -lcjson -lpthread
BROKER_PG_STORM ?= 1000
CHECK_SUITES += broker-pg
check-broker-pg: $(BUILD)/cocobroker $(TB)/unlock-client $(TB)/bootstorm $(TB)/test-store-shared $(SERVICE_KEYS_STAMP) \
		| $(DEPS_STAMP)
	@tests/broker/test-broker-pg.sh $(BUILD)/cocobroker $(TB)/unlock-client $(TB)/bootstorm $(TB)/test-store-shared \
		$(BUILD)/keys $(TB)/pg $(BROKER_PG_STORM)
.PHONY: check-broker-pg
