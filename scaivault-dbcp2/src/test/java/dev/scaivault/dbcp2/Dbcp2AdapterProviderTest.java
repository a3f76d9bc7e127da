package dev.scaivault.dbcp2;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.commons.dbcp2.managed.BasicManagedDataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class Dbcp2AdapterProviderTest {
    final Dbcp2AdapterProvider provider = new Dbcp2AdapterProvider();

    @Test
    void supportsABasicDataSourceAndItsSubclassesOnly() {
        assertThat(provider.supports(new BasicDataSource())).isTrue();
        assertThat(provider.supports(new BasicManagedDataSource())).isTrue();
        assertThat(provider.supports(new PGSimpleDataSource())).isFalse();
    }

    @Test
    void aPoolConfiguredBySettersHasNotStartedAndReportsItsOwnLifetimeBound() {
        BasicDataSource ds = new BasicDataSource();
        var adapter = provider.adapt(ds);
        assertThat(adapter.started()).isFalse();
        assertThat(adapter.kind()).isEqualTo("dbcp2");
        assertThat(adapter.maxLifetime()).as("DBCP2's default: no bound").isNull();
        assertThat(adapter.borrowed()).isZero();

        ds.setMaxConn(Duration.ofMinutes(10));
        assertThat(adapter.maxLifetime()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void retiringAPoolThatHasNotStartedDoesNothing() {
        var adapter = provider.adapt(new BasicDataSource());
        adapter.retire();
        assertThat(adapter.started()).isFalse();
    }
}
