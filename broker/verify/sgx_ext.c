#include "sgx_ext.h"
int sgx_ext_parse(const mbedtls_x509_crt *c, struct sgx_pck_ext *out, char *err, size_t errlen)
{ (void)c; (void)out; (void)err; (void)errlen; return -1; }
