package dev.scaivault.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TomcatVersionTest {

    /** Each execution of the pom puts one tomcat-jdbc on the class path; this proves it is the one meant. */
    @Test
    void theTomcatOnTheClassPathIsTheOneThisRunIsFor() {
        assertThat(TomcatVersion.onClassPath()).isEqualTo(System.getProperty("expectedTomcatVersion"));
    }
}
