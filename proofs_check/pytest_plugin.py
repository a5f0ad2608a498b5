"""pytest plugin: ``pytest --proofs-check`` collects the claim catalogue as test items."""


def pytest_addoption(parser):
    group = parser.getgroup("proofs-check", "regress self-distillation theory")
    group.addoption("--proofs-check", action="store_true", default=False,
                    help="collect every catalogue claim as a test item")
