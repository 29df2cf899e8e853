import { readFixtures } from "./support";

/**
 * The seed files of the mutation fuzzers: a handful of small real files per format from the corpus
 * (test/fixtures/corpus, see its SOURCES.tsv) and the index-page fixtures (test/fixtures/pypi, see its
 * SOURCES.tsv). Small files keep each case cheap, so the budget buys many mutations; together they
 * cover the layouts each parser distinguishes (hashes, markers, editables, CRLF, VCS and path sources,
 * groups, old and new lock versions, yanked files, metadata attributes).
 */

export const requirementsCorpus = readFixtures([
  "corpus/requirements/dependabot__dependabot-core__requirements__markers_with_combination_of_conditions.txt",
  "corpus/requirements/dependabot__dependabot-core__requirements__hashes_multiline.txt",
  "corpus/requirements/JetBrains__requirements__testData__Editable.requirements.txt",
  "corpus/requirements/pypa__pip__tests__data__reqfiles__supported_options2.txt",
  "corpus/requirements/nexB__pip-requirements-parser__requirements__packaging-docs-examples.txt",
  "corpus/requirements/Djobleezy__DeepSea-Dashboard__hist-2025-04-crlf__requirements.txt",
  "corpus/requirements/renovatebot__renovate__pip_requirements____fixtures____requirements-env-markers.txt",
  "corpus/requirements/celery__celery/requirements/dev.txt",
  "corpus/requirements/nexB__pip-requirements-parser__requirements__requirement-parser-issues.txt",
]);

export const pipCompileCorpus = readFixtures([
  "corpus/requirements/pallets__flask/requirements/build.txt",
  "corpus/requirements/pallets__flask/requirements/tests.txt",
  "corpus/requirements/dependabot__dependabot-core__requirements__pip_compile_editable.txt",
  "corpus/requirements/renovatebot__renovate__pip-compile____fixtures____requirementsWithUnknownArguments.txt",
]);

export const poetryCorpus = readFixtures([
  "corpus/poetry/renovatebot__renovate__poetry____fixtures____poetry142.lock",
  "corpus/poetry/python-poetry__poetry__tests__fixtures__old_lock__poetry.lock",
  "corpus/poetry/python-poetry__poetry__tests__installation__fixtures__with-vcs-dependency-with-extras.test.lock",
  "corpus/poetry/python-poetry__poetry__tests__installation__fixtures__with-platform-dependencies.test.lock",
  "corpus/poetry/python-poetry__poetry__tests__fixtures__with_path_dependency__poetry.lock",
  "corpus/poetry/dependabot__dependabot-core__poetry_locks__poetry_v2_groups_markers.lock",
]);

export const pdmCorpus = readFixtures([
  "corpus/pdm/pdm-project__pdm__tests__fixtures__projects__demo-package-has-dep-with-extras__pdm.lock",
  "corpus/pdm/pdm-project__pdm__tests__fixtures__projects__demo__pdm.no_groups.lock",
  "corpus/pdm/pdm-project__pdm__tests__fixtures__projects__demo__pdm.lock",
]);

export const uvCorpus = readFixtures(["corpus/uv/astral-sh__uv__test__packages__built-by-uv__uv.lock"]);

export const pylockCorpus = readFixtures([
  "corpus/pylock/pypa__pip__tests__data__lockfiles__pylock.directory.toml",
  "corpus/pylock/pypa__pip__tests__data__lockfiles__pylock.onewheel.toml",
  "corpus/pylock/pypa__pip__tests__data__lockfiles__pylock.mixed.toml",
  "corpus/pylock/pypa__packaging__tests__pylock__pylock.spec-example.toml",
]);

export const pipfileLockCorpus = readFixtures([
  "corpus/pipenv/thoth-station__micropipenv__tests__data__install__pipenv_vcs_subdir__Pipfile.lock",
  "corpus/pipenv/dependabot__dependabot-core__pipfile_files__malformed_default_section.lock",
  "corpus/pipenv/thoth-station__micropipenv__tests__data__install__pipenv_url__Pipfile.lock",
  "corpus/pipenv/dependabot__dependabot-core__pipfile_files__git_source.lock",
]);

export const pipfileCorpus = readFixtures([
  "corpus/pipenv/dependabot__dependabot-core__pipfile_files__version_table",
  "corpus/pipenv/pypa__pipenv__Pipfile",
  "corpus/pipenv/renovatebot__renovate__pipenv____fixtures____Pipfile1",
  "corpus/pipenv/pypa__pipenv__examples__Pipfile",
]);

export const pyprojectCorpus = readFixtures([
  "corpus/pyproject/dependabot__dependabot-core__pyproject_files__pep621_hybrid_with_markers.toml",
  "corpus/pyproject/dependabot__dependabot-core__pyproject_files__poetry_group_dependencies.toml",
  "corpus/pyproject/dependabot__dependabot-core__pyproject_files__optional_dependencies.toml",
  "corpus/pyproject/renovatebot__renovate__pep621____fixtures____pyproject_pdm_sources.toml",
  "corpus/pyproject/pdm-project__pdm__tests__fixtures__pyproject.toml",
]);

export const htmlCorpus = readFixtures([
  "pypi/poetry/legacy/demo.html",
  "pypi/poetry/legacy/futures-partial-yank.html",
  "pypi/pypi-simple/aws-adfs-ebsco.html",
  "pypi/pypi-simple/qypi_repo_version.html",
  "pypi/pypi-simple/devpi_devpi.html",
  "pypi/micropip/pypi_response/relative-urls-test_simple.html",
]);

export const jsonCorpus = readFixtures([
  "pypi/poetry/legacy/json/demo.json",
  "pypi/micropip/pypi_response/fake-pkg-micropip-test_simple.json",
  "pypi/pypi-simple/yanked.json",
  "pypi/pypi-simple/argset-708.json",
  "pypi/micropip/pypi_response/fake-pkg-micropip-test_json.json",
]);
