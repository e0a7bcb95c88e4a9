# Included after a kselftest Makefile: list the test programs it runs.
print-tests:
	@for t in $(TEST_GEN_PROGS) $(TEST_PROGS); do echo $(OUTPUT)/$$(basename $$t); done
