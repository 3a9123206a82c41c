"""The story the record's pages are tested on (tests/commitments/stories.py)."""

import pytest

from tests.commitments.stories import Story, make_author, make_checker, make_story


@pytest.fixture
def author(db):
    return make_author()


@pytest.fixture
def checker(db):
    return make_checker()


@pytest.fixture
def story(author, checker) -> Story:
    return make_story(author, checker)
