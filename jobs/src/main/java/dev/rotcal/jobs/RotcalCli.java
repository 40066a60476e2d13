package dev.rotcal.jobs;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The rotcal command line: demo, demo-model, calibrate, inspect, project, export. */
@Command(name = "rotcal", mixinStandardHelpOptions = true, versionProvider = RotcalCli.Version.class,
        description = "Calibrates LLM rotations (DFRot) and 4-bit quantization scales on Apache Spark.",
        subcommands = {DemoCommand.class, DemoModelCommand.class, CalibrateCommand.class, InspectCommand.class,
                ProjectCommand.class, dev.rotcal.jobs.export.ExportCommand.class, CleanCommand.class})
public final class RotcalCli implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new RotcalCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** --version: from the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"rotcal " + RotcalVersion.get()};
        }
    }
}
