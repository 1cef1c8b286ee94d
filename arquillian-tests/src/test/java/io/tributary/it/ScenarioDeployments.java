package io.tributary.it;

import io.tributary.it.beans.Deliveries;
import io.tributary.it.beans.FlakyStore;
import io.tributary.it.beans.ParallelRecorder;
import io.tributary.it.beans.ReceiptStore;
import io.tributary.it.beans.TransactionalSender;
import org.jboss.arquillian.container.test.api.Testable;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * What a scenario suite deploys, built from the artifacts users deploy, plus the test beans. The
 * system property {@code tributary.it.packaging} (set per server run by the build) chooses:
 * <ul>
 *   <li>{@code war} (default): {@code tributary-examples.war} as built — its {@code web.xml}
 *       connection factory, WildFly's {@code jboss-ejb3.xml} binding and its MANIFEST
 *       {@code Dependencies} included — with the test beans added, for a server where
 *       {@code tributary.rar} is deployed on its own (Payara Micro, WildFly);</li>
 *   <li>{@code ear}: {@code tributary-examples.ear} as built, adapter included, with the test
 *       beans and the test class added to its web module.</li>
 * </ul>
 * {@code tributary.it.archives} names the directory the build copied the artifacts into.
 */
final class ScenarioDeployments {
    private static final String TEST_MODULE = "tributary-it.war";
    private static final String WEB_MODULE = "tributary-examples-web.war";

    private ScenarioDeployments() {
    }

    /** The deployment for {@code testClass}, which runs inside it. */
    static Archive<?> scenarios(Class<?> testClass) {
        File dir = new File(System.getProperty("tributary.it.archives", "target/payara"));
        return "ear".equals(System.getProperty("tributary.it.packaging", "war")) ? ear(dir, testClass) : war(dir);
    }

    private static WebArchive war(File dir) {
        WebArchive examples = ShrinkWrap.createFromZipFile(WebArchive.class, new File(dir, "tributary-examples.war"));
        return ShrinkWrap.create(WebArchive.class, TEST_MODULE).merge(examples).addClasses(testBeans());
    }

    private static EnterpriseArchive ear(File dir, Class<?> testClass) {
        EnterpriseArchive ear = ShrinkWrap.createFromZipFile(EnterpriseArchive.class, new File(dir, "tributary-examples.ear"));
        // The test beans and the test class join the examples' web module, so the test sees the same classes
        // (and the same URL) as the examples; its MDBs bind to the EAR's adapter like the EJB module's do.
        WebArchive web = ShrinkWrap.create(WebArchive.class, WEB_MODULE)
                .merge(ear.getAsType(WebArchive.class, WEB_MODULE))
                .addClasses(testBeans())
                // Arquillian adds the test class to a war it deploys, not to a module of an EAR.
                .addClass(testClass)
                .addAsWebInfResource(new StringAsset(resource("wildfly/ear-test-module-jboss-ejb3.xml")), "jboss-ejb3.xml");
        ear.delete(WEB_MODULE);
        return ear.addAsModule(Testable.archiveToTest(web));
    }

    private static Class<?>[] testBeans() {
        return new Class<?>[]{Deliveries.class, Deliveries.Seen.class, FlakyStore.class, ParallelRecorder.class,
                TransactionalSender.class, ReceiptStore.class};
    }

    private static String resource(String name) {
        try (InputStream in = ScenarioDeployments.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("Missing test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
