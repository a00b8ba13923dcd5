import Evidence
import Testing

@Suite struct SecretHeuristicsTests {
    @Test(arguments: [
        "API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "MYSQL_PASSWD", "GOOGLE_APPLICATION_CREDENTIALS", "client_secret",
        "SecretValue", "db_password", "PRIVATE_KEY_PATH", "SMTP_PASS", "GITHUB_PAT", "STRIPE_APIKEY", "GPG_KEY", "TOKEN",
    ])
    func secretNamesAreFlagged(name: String) {
        #expect(SecretHeuristics.isSecretName(name))
    }

    @Test(arguments: [
        "PATH", "HOME", "LANG", "JAVA_HOME", "NODE_VERSION", "PYTHON_GET_PIP_SHA256", "GPG_KEYS", "KEYCLOAK_ADMIN", "TOKENIZER_MODE", "PORT",
    ])
    func ordinaryNamesAreNot(name: String) {
        #expect(!SecretHeuristics.isSecretName(name))
    }

    @Test(arguments: [
        "AKIAIOSFODNN7EXAMPLE", "prefix-ASIAIOSFODNN7EXAMPLE-suffix", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...",
        "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----", "ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "gho_abcdefghijklmnopqrstuvwxyz0123", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "xoxb-1234567890-abcdefghij",
        "xoxp-1234567890-0987654321-abc", "sk_live_51H8abcdefghijklmnop", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
        "postgres://app:s3cret@db:5432/app", "glpat-abcdefghijklmnopqrst",
    ])
    func secretValuesAreFlagged(value: String) {
        #expect(SecretHeuristics.looksLikeSecretValue(value))
    }

    @Test(arguments: [
        "", "true", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "C.UTF-8", "https://github.com/pypa/get-pip/raw/x/get-pip.py",
        "AKIA-not-a-key", "akiaiosfodnn7example", "-----BEGIN PUBLIC KEY-----", "ghp_short", "xoxc-1234567890-abc", "sk_test_51H8abcdefghijklmnop",
        "eyJhbGciOiJIUzI1NiJ9", "https://user@example.com/path", "3.8.12", "E3FF2839C048B25C084DEBE9B26995E310250568",
    ])
    func ordinaryValuesAreNot(value: String) {
        #expect(!SecretHeuristics.looksLikeSecretValue(value))
    }
}

extension SecretHeuristicsTests {
    @Test(arguments: ["eyJ", "ghp_", "xoxb-", "sk_live_", "AKIA", "://a:", "-----BEGIN "])
    func hostileRepetitionsStayLinear(unit: String) {
        let value = String(repeating: unit, count: 300_000 / unit.count)
        let start = ContinuousClock.now
        _ = SecretHeuristics.looksLikeSecretValue(value)
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}
