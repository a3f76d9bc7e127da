package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.file.SighupReload;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The beans of {@code ScaiVaultAutoConfiguration}, the same on every Boot line: the ScaiVault client, the
 * DataSource credential source and its binding to the application's pool, and SIGHUP reload. Each
 * line's {@code ScaiVaultAutoConfiguration} imports it and orders it before that line's DataSource
 * auto-configuration. Every bean backs off when the application defines its own: a {@link ScaiVault}, or a
 * {@code SecretSource<Credentials>} named {@value #CREDENTIAL_SOURCE_BEAN}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ScaiVaultProperties.class)
class ScaiVaultConfiguration {
    /** The name of the credential source bean the DataSource binding follows. */
    static final String CREDENTIAL_SOURCE_BEAN = "scaivaultCredentialSource";

    private static final Logger log = LoggerFactory.getLogger(ScaiVaultConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(ScaiVaultUrlCondition.class)
    ScaiVault scaiVault(ScaiVaultProperties properties, Environment environment) {
        ScaiVault vault = Clients.build(properties, environment::getProperty);
        log.info("scaivault: client for {}", vault.url());
        return vault;
    }

    @Bean
    @ConditionalOnMissingBean
    ScaiVaultMonitor scaivaultMonitor(ApplicationEventPublisher publisher) {
        return new ScaiVaultMonitor(publisher);
    }

    @Bean(name = CREDENTIAL_SOURCE_BEAN, destroyMethod = "close")
    @ConditionalOnMissingBean(name = CREDENTIAL_SOURCE_BEAN)
    @ConditionalOnProperty(prefix = "scaivault.datasource", name = "source")
    SecretSource<Credentials> scaivaultCredentialSource(
            ScaiVaultProperties properties, ObjectProvider<ScaiVault> vault, ScaiVaultMonitor monitor) {
        return CredentialSources.create(properties, vault, monitor);
    }

    /** Starts publishing rotation events once every singleton (the source among them) exists. */
    @Bean
    SmartInitializingSingleton scaivaultRotationEvents(ListableBeanFactory beanFactory, ScaiVaultMonitor monitor) {
        return () -> {
            if (beanFactory.containsBean(CREDENTIAL_SOURCE_BEAN)) {
                @SuppressWarnings("unchecked")
                SecretSource<Credentials> source = beanFactory.getBean(CREDENTIAL_SOURCE_BEAN, SecretSource.class);
                monitor.follow(source);
            }
        };
    }

    // Static: a post-processor must not make this configuration (and its dependencies) initialize early.
    @Bean
    static DataSourceCredentialsPostProcessor scaivaultDataSourceCredentialsPostProcessor() {
        return new DataSourceCredentialsPostProcessor();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "scaivault.datasource", name = "source", havingValue = "file")
    static class SighupConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        @ConditionalOnProperty(prefix = "scaivault.sighup", name = "enabled", matchIfMissing = true)
        SighupReload scaivaultSighupReload() {
            try {
                SighupReload hup = SighupReload.install();
                log.info("scaivault: SIGHUP re-reads the secret files (scaivault.sighup.enabled=false to turn off)");
                return hup;
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "scaivault.sighup.enabled: this JVM does not let SIGHUP be handled (-Xrs?): " + e.getMessage()
                                + "; set scaivault.sighup.enabled=false",
                        e);
            }
        }
    }
}
