// The synths the tests run, in this process or as children, must issue certificates: the CI=true of a
// CI machine would make them render without secrets (docs/operations.md, "In CI"). The tests of that
// mode set CI in the environment they pass.
delete process.env.CI;
