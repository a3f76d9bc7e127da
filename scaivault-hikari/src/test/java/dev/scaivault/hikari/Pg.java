package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.pool.load.PgRoles;
import dev.scaivault.testkit.pg.TestPostgres;

/** The shared Postgres helpers, and HikariCP pools of both kinds. */
final class Pg extends PgRoles {
    enum PoolKind {
        JDBC_URL,
        DATA_SOURCE
    }

    private final TestPostgres pg;

    Pg(TestPostgres pg) {
        super(pg);
        this.pg = pg;
    }

    /** A pool configured by setters, so it starts at its first {@code getConnection()}, as Spring Boot's. */
    HikariDataSource lazyPool(PoolKind kind, String name) {
        HikariDataSource ds = new HikariDataSource();
        if (kind == PoolKind.JDBC_URL) {
            ds.setJdbcUrl(pg.jdbcUrl());
        } else {
            ds.setDataSource(simpleDataSource());
        }
        ds.setPoolName(name);
        ds.setMaximumPoolSize(5);
        ds.setConnectionTimeout(10_000);
        return ds;
    }
}
