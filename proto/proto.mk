# proto/: wire protocol v1, both sides of it (see docs/layout.md): request
# encode (guest) and decode (broker), answer encode (broker) and parse
# (guest), HTTP framing for the client and the server, the session binding,
# the reason codes. Built into one small library per toolchain:
#   PROTO_LIB / PROTO_LIB_SAN  host (cocobroker, test clients), plain and ASan+UBSan;
#                              the broker-side files need PROTO_HOST_LDLIBS
#   PROTO_MUSL_LIB             the guest's files only, musl + the trimmed mbedTLS (cocoboot)
# Included right after mk/mbedtls.mk, before the parts that link it.

PROTO_GUEST_SRCS := proto/answer.c proto/binding.c proto/client_cert.c proto/guest_chain.c proto/http_client.c \
	proto/key_commit.c proto/request.c
# the broker's side: http_parser and cJSON, which the static guest does not link
PROTO_HOST_SRCS  := $(PROTO_GUEST_SRCS) proto/http_server.c proto/request_decode.c
PROTO_HOST_LDLIBS := -lhttp_parser -lcjson
PROTO_HDRS := $(wildcard proto/*.h) $(COMMON_HDRS)

PROTO_LIB      := $(BUILD)/proto/host/libcocoproto.a
PROTO_LIB_SAN  := $(BUILD)/proto/san/libcocoproto.a
PROTO_MUSL_LIB := $(BUILD)/proto/musl/libcocoproto.a
PROTO_OBJS      := $(patsubst proto/%.c,$(BUILD)/proto/host/%.o,$(PROTO_HOST_SRCS))
PROTO_OBJS_SAN  := $(patsubst proto/%.c,$(BUILD)/proto/san/%.o,$(PROTO_HOST_SRCS))
PROTO_OBJS_MUSL := $(patsubst proto/%.c,$(BUILD)/proto/musl/%.o,$(PROTO_GUEST_SRCS))
# no unwind tables in the guest (see init/init.mk)
PROTO_MUSL_CFLAGS = $(GUEST_CFLAGS) $(MBEDTLS_MUSL_CFLAGS) -fno-asynchronous-unwind-tables -fno-unwind-tables

$(BUILD)/proto/host/%.o: proto/%.c $(PROTO_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(HOST_CFLAGS) $(MBEDTLS_HOST_CFLAGS) -c $< -o $@
$(BUILD)/proto/san/%.o: proto/%.c $(PROTO_HDRS) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOST_CC) $(SAN_CFLAGS) $(MBEDTLS_HOST_CFLAGS) -c $< -o $@
$(BUILD)/proto/musl/%.o: proto/%.c $(PROTO_HDRS) $(MBEDTLS_MUSL_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(MUSL_CC) $(PROTO_MUSL_CFLAGS) -c $< -o $@
$(PROTO_LIB): $(PROTO_OBJS)
	@rm -f $@ && ar rcs $@ $^
$(PROTO_LIB_SAN): $(PROTO_OBJS_SAN)
	@rm -f $@ && ar rcs $@ $^
$(PROTO_MUSL_LIB): $(PROTO_OBJS_MUSL)
	@rm -f $@ && ar rcs $@ $^
ALL_TARGETS += $(PROTO_MUSL_LIB)

# ---- tests (proto/tests) ----------------------------------------------------
TP := $(BUILD)/tests/proto
TP_CFLAGS = $(MBEDTLS_HOST_CFLAGS)

# unit tests of both sides: host with sanitizers, and the same test as a static musl binary
$(TP)/test-proto: proto/tests/test-proto.c $(PROTO_LIB_SAN) $(COMMON_SAN_A) tests/lib/check.h $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TP_CFLAGS) -o $@ $< $(PROTO_LIB_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS)
$(TP)/test-proto-musl: proto/tests/test-proto.c $(PROTO_MUSL_LIB) $(COMMON_MUSL_A) tests/lib/check.h $(MBEDTLS_MUSL_STAMP)
	@mkdir -p $(@D)
	@$(MUSL_CC) $(GUEST_CFLAGS) $(MBEDTLS_MUSL_CFLAGS) -o $@ $< $(PROTO_MUSL_LIB) $(COMMON_MUSL_A) \
		$(GUEST_LDFLAGS) $(MBEDTLS_MUSL_LIBS)

CHECK_SUITES += proto
check-proto: $(TP)/test-proto $(TP)/test-proto-musl
	@$(TP)/test-proto-musl | sed 's/^/musl: /' | grep -v ' passed, ' || true
	@$(TP)/test-proto-musl >/dev/null || { echo "musl build of the proto tests failed"; exit 1; }
	@$(TP)/test-proto
.PHONY: check-proto

# the broker's request input: HTTP framing in arbitrary chunks and the body decode (sanitizers)
$(TP)/test-http-decode: proto/tests/test-http-decode.c $(PROTO_LIB_SAN) $(COMMON_SAN_A) tests/lib/check.h $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	@$(HOST_CC) $(SAN_CFLAGS) $(TP_CFLAGS) -o $@ $< $(PROTO_LIB_SAN) $(COMMON_SAN_A) $(MBEDTLS_HOST_LIBS) $(PROTO_HOST_LDLIBS)

CHECK_SUITES += broker-input
check-broker-input: $(TP)/test-http-decode
	@$(TP)/test-http-decode
.PHONY: check-broker-input

# ---- fuzz (proto/fuzz) ------------------------------------------------------
# the guest's answer parsing (it reads what a hostile network sends)
FUZZ_TARGETS += proto-response
$(BUILD)/fuzz/proto-response: proto/fuzz/fuzz-response.c proto/http_client.c proto/answer.c $(PROTO_HDRS) $(COMMON_FUZZ_A) $(MBEDTLS_HOST_STAMP)
	@$(call fuzz_link,proto/fuzz/fuzz-response.c proto/http_client.c proto/answer.c $(COMMON_FUZZ_A))
fuzz-proto-response: $(BUILD)/fuzz/proto-response
	@mkdir -p $(BUILD)/fuzz/proto-response-corpus
	@set -o pipefail; $(BUILD)/fuzz/proto-response -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-artifact_prefix=$(BUILD)/fuzz/crash-proto-response- $(BUILD)/fuzz/proto-response-corpus 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-proto-response

# the broker's request input (HTTP framing in chunks, then the JSON body)
# seeds (first byte: the chunk size, then the HTTP request): proto/fuzz/seeds-broker-request
FUZZ_TARGETS += broker-request
$(BUILD)/fuzz/broker-request: proto/fuzz/fuzz-request.c proto/http_server.c proto/request_decode.c proto/request.c \
		$(PROTO_HDRS) $(COMMON_FUZZ_A) $(MBEDTLS_HOST_STAMP)
	@$(call fuzz_link,proto/fuzz/fuzz-request.c proto/http_server.c proto/request_decode.c proto/request.c \
		$(COMMON_FUZZ_A),,$(PROTO_HOST_LDLIBS))
fuzz-broker-request: $(BUILD)/fuzz/broker-request
	@mkdir -p $(BUILD)/fuzz/broker-request-corpus
	@set -o pipefail; $(BUILD)/fuzz/broker-request -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -artifact_prefix=$(BUILD)/fuzz/crash-broker-request- \
		$(BUILD)/fuzz/broker-request-corpus proto/fuzz/seeds-broker-request 2>&1 | grep -E "INITED|DONE|^Done|ERROR|SUMMARY|Test unit written"
.PHONY: fuzz-broker-request
