package dev.scaivault.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class AuthFailuresTest {

    @Test
    void recognizesEachDatabasesLoginFailure() {
        assertThat(AuthFailures.find(new SQLException("password authentication failed", "28P01")))
                .isPresent();
        assertThat(AuthFailures.find(new SQLException("role does not exist", "28000")))
                .isPresent();
        assertThat(AuthFailures.find(new SQLException("Access denied", "28000", 1045)))
                .isPresent();
        assertThat(AuthFailures.find(new SQLException("Access denied", "HY000", 1045)))
                .isPresent();
        assertThat(AuthFailures.find(new SQLException("ORA-01017: invalid username/password", "72000", 1017)))
                .isPresent();
        assertThat(AuthFailures.find(new SQLException("Login failed for user", "S0001", 18456)))
                .isPresent();
        assertThat(AuthFailures.find(new SQLInvalidAuthorizationSpecException("denied")))
                .isPresent();
    }

    @Test
    void looksThroughWrappersAndNextExceptions() {
        var wrapped = new SQLTransientConnectionException("pool", new SQLException("denied", "28P01"));
        assertThat(AuthFailures.find(wrapped)).isPresent();
        var chained = new SQLException("batch", "08006");
        chained.setNextException(new SQLException("denied", "28P01"));
        assertThat(AuthFailures.find(chained)).isPresent();
        assertThat(AuthFailures.find(new RuntimeException(new SQLException("denied", "28000"))))
                .isPresent();
    }

    @Test
    void ignoresEverythingElse() {
        assertThat(AuthFailures.find(new SQLException("connection refused", "08001")))
                .isEmpty();
        assertThat(AuthFailures.find(new SQLException("too many connections", "53300")))
                .isEmpty();
        assertThat(AuthFailures.find(new SQLException("no state"))).isEmpty();
        assertThat(AuthFailures.find(new IllegalStateException("x"))).isEmpty();
    }

    @Test
    void describesWithoutTheMessage() {
        var e = new SQLException("password authentication failed for secret-ish text", "28P01");
        assertThat(AuthFailures.describe(e))
                .isEqualTo("SQLState 28P01, vendor code 0")
                .doesNotContain("secret");
    }
}
