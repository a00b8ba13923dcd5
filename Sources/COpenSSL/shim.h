#ifndef SHIPGATE_COPENSSL_SHIM_H
#define SHIPGATE_COPENSSL_SHIM_H
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Function-like macros and option bits Swift cannot import.
static inline int copenssl_ctx_set_min_proto(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
static inline int copenssl_ctx_set_max_proto(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_max_proto_version(ctx, v); }
static inline uint64_t copenssl_op_ignore_unexpected_eof(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline uint64_t copenssl_op_no_renegotiation(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t copenssl_op_cipher_server_preference(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t copenssl_op_no_compression(void) { return SSL_OP_NO_COMPRESSION; }
static inline long copenssl_ctx_set_mode_auto_retry_off(SSL_CTX *ctx) {
    return SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY) | SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}
static inline size_t copenssl_bio_pending(BIO *b) { return (size_t)BIO_ctrl_pending(b); }
static inline int copenssl_bio_set_mem_eof_return(BIO *b, int v) { return (int)BIO_set_mem_eof_return(b, v); }
static inline int copenssl_set_tlsext_host_name(SSL *s, const char *name) { return (int)SSL_set_tlsext_host_name(s, name); }
static inline int copenssl_ctx_set_ecdh_auto(SSL_CTX *ctx) { return 1; /* always on in OpenSSL >= 1.1 */ }

// uint8_t* parameters taken as void* so Swift raw buffers pass without rebinding.
static inline int copenssl_rand_bytes(void *buf, int n) { return RAND_bytes((unsigned char *)buf, n); }
static inline int copenssl_memcmp(const void *a, const void *b, size_t n) { return CRYPTO_memcmp(a, b, n); }
// scrypt with void* buffers so Swift [UInt8] passes without rebinding to char/unsigned char.
static inline int copenssl_pbe_scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen,
                                      uint64_t n, uint64_t r, uint64_t p, uint64_t maxmem, void *key, size_t keylen) {
    return EVP_PBE_scrypt((const char *)pass, passlen, (const unsigned char *)salt, saltlen, n, r, p, maxmem,
                          (unsigned char *)key, keylen);
}
// SHA-256 one-shot over void* so Swift raw buffers pass without rebinding.
static inline int copenssl_sha256(const void *data, size_t len, void *out) {
    unsigned int outlen = 0;
    return EVP_Digest(data, len, (unsigned char *)out, &outlen, EVP_sha256(), NULL) == 1 && outlen == 32;
}
// OPENSSL_free / OPENSSL_clear_free are macros (they pass __FILE__/__LINE__ to CRYPTO_free).
static inline void copenssl_free(void *p) { OPENSSL_free(p); }
static inline void copenssl_clear_free(void *p, size_t n) { OPENSSL_clear_free(p, n); }
#endif
