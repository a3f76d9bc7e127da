package dev.scaivault.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.source.Credentials;
import org.junit.jupiter.api.Test;

/** Proves which HikariCP each test execution ran against, and that the binding picked its mechanism. */
class HikariVersionTest {

    @Test
    void runsAgainstTheHikariVersionOfThisExecution() {
        String expected = System.getProperty("expectedHikariVersion");
        String actual = HikariVersion.onClassPath();
        System.out.println("HikariCP on the test class path: " + actual + " (from "
                + HikariDataSource.class.getProtectionDomain().getCodeSource().getLocation() + ")");
        assertThat(expected)
                .as("system property expectedHikariVersion (set per execution)")
                .isNotBlank();
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void picksTheMechanismThisVersionOffers() {
        int major = HikariVersion.major();
        CredentialsMechanism setters =
                major >= 6 ? CredentialsMechanism.SET_CREDENTIALS : CredentialsMechanism.USERNAME_AND_PASSWORD;
        CredentialsMechanism provider = major >= 7 ? CredentialsMechanism.CREDENTIALS_PROVIDER : setters;
        try (var src = new TestCredentialSource(Credentials.of("app", "pw-1", "test"));
                var ds = unstartedPool();
                var b = HikariCredentialBinding.bind(ds, src)) {
            assertThat(b.mechanism()).isEqualTo(setters);
            assertThat(ds.getUsername()).isEqualTo("app");
            assertThat(ds.getPassword()).isEqualTo("pw-1");
        }
        try (var src = new TestCredentialSource(Credentials.of("app", "pw-1", "test"));
                var ds = unstartedPool();
                var b = HikariCredentialBinding.builder(ds, src)
                        .preferCredentialsProvider(true)
                        .bind()) {
            assertThat(b.mechanism()).isEqualTo(provider);
        }
    }

    private static HikariDataSource unstartedPool() {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/none");
        ds.setPoolName("version-test");
        return ds;
    }
}
