package dev.scaivault.testkit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TestPostgresIT {
    static TestPostgres pg;

    @BeforeAll
    static void start() {
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    @Test
    void appRolesNeedTheirScramPassword() throws SQLException {
        try (Connection admin = pg.admin();
                Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE app_user LOGIN PASSWORD 'right-one'");
        }
        try (Connection c = pg.connect("app_user", "right-one");
                ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("app_user");
        }
        assertThatThrownBy(() -> pg.connect("app_user", "wrong-one"))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
    }
}
