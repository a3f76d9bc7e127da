package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.pool.CredentialDataSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The starter binds whichever pool the application has, not only HikariCP: Boot's pool of {@code
 * spring.datasource.type} (with the pool's ScaiVault adapter on the class path) and the application's own
 * CredentialDataSource. Each application starts on the credentials of a kubelet-style volume, and once the volume
 * holds a new role its new connections log in as that role.
 */
class PoolsIT {
    private static TestPostgres pg;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    /** The application's own DataSource: a driver DataSource that follows the starter's credential source. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OwnCredentialDataSource {
        @Bean(destroyMethod = "close")
        CredentialDataSource appDataSource(
                @Qualifier(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN) SecretSource<Credentials> source) {
            PGSimpleDataSource driver = new PGSimpleDataSource();
            driver.setURL(pg.jdbcUrl());
            return CredentialDataSource.wrap(driver, source);
        }
    }

    /** The application's own pool bean rather than Boot's. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OwnTomcatPool {
        @Bean(destroyMethod = "close")
        org.apache.tomcat.jdbc.pool.DataSource ownPool() {
            org.apache.tomcat.jdbc.pool.DataSource pool = new org.apache.tomcat.jdbc.pool.DataSource();
            pool.setUrl(pg.jdbcUrl());
            pool.setDriverClassName("org.postgresql.Driver");
            return pool;
        }
    }

    @Test
    void tomcatJdbcPoolOfSpringDatasourceTypeIsBound() throws Exception {
        rotates("tomcat", org.apache.tomcat.jdbc.pool.DataSource.class, App.class);
    }

    @Test
    void applicationsOwnTomcatJdbcPoolBeanIsBound() throws Exception {
        rotates("owntomcat", org.apache.tomcat.jdbc.pool.DataSource.class, OwnTomcatPool.class);
    }

    @Test
    void dbcp2PoolOfSpringDatasourceTypeIsBound() throws Exception {
        rotates("dbcp2", org.apache.commons.dbcp2.BasicDataSource.class, App.class);
    }

    @Test
    void oracleUcpPoolOfSpringDatasourceTypeIsBound() throws Exception {
        rotates("ucp", oracle.ucp.jdbc.PoolDataSource.class, App.class);
    }

    @Test
    void applicationsOwnCredentialDataSourceFollowsTheStartersSource() throws Exception {
        rotates("own", CredentialDataSource.class, OwnCredentialDataSource.class);
    }

    /**
     * Starts {@code app} on role {@code <name>_user_0}, rotates the volume to {@code <name>_user_1}, and checks that
     * the DataSource bean is a {@code type} whose connections follow.
     */
    private void rotates(String name, Class<?> type, Class<?> app) throws Exception {
        KubeletVolume volume = KubeletVolume.at(tmp.resolve(name));
        String first = name + "_user_0";
        String second = name + "_user_1";
        createRole(first, name + "-pass-0-7c41d9");
        volume.writeStrings(Map.of("username", first, "password", name + "-pass-0-7c41d9"));
        List<String> args = new ArrayList<>(List.of(
                "--spring.main.banner-mode=off",
                "--spring.datasource.url=" + pg.jdbcUrl(),
                "--scaivault.datasource.source=file",
                "--scaivault.datasource.file.path=" + volume.dir()));
        if (app == App.class) {
            args.add("--spring.datasource.type=" + type.getName());
        }
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(app)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .run(args.toArray(String[]::new))) {
            DataSource ds = ctx.getBean(DataSource.class);
            assertThat(ds).isInstanceOf(type);
            assertThat(currentUser(ds)).isEqualTo(first);

            createRole(second, name + "-pass-1-7c41d9");
            volume.writeStrings(Map.of("username", second, "password", name + "-pass-1-7c41d9"));
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> second.equals(currentUser(ds)));
            ScaiVaultMonitor monitor = ctx.getBean(ScaiVaultMonitor.class);
            if (type != CredentialDataSource.class) {
                // The starter's own binding reports to metrics, rotation events and health, as for HikariCP.
                assertThat(monitor.poolRotations.get()).isEqualTo(1);
                await().atMost(Duration.ofSeconds(30)).until(() -> monitor.handOffs.get() == 1);
            }
        }
    }

    private static String currentUser(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void createRole(String user, String password) throws Exception {
        LeakCheck.secret(password);
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute("CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + password + "'");
        }
    }
}
