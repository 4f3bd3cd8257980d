void Widget::resize(int n)
{
    int *cells = new int[n];
    fillCells(cells, n);
    free(cells);
}
